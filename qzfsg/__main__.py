from qzfsg.start import main

if __name__ == "__main__":  # not when a worker process loads it (qzfsg.reading.workers)
    main()

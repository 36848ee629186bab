from qzfsg.start import main

main()

from qzfsg.cli import main

main()

from npsloop.cli import main

main()

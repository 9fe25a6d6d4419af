from clamp_desktop.cli import main

main()

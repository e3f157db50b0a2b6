import CompaninCommandLine

CompaninCommandLine.main()

from report.launch import main

main()

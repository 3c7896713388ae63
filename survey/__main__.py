from survey.entry import main

main()

import ArgumentParser
GraspSim.main()

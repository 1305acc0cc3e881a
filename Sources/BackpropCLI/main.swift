// The `backprop` executable: the commands live in the BackpropCommands library, so that other
// executables (e.g. `backprop-mpi` in Distributed/) run the very same commands.
import BackpropCommands

BackpropCommand.main()

// Soak tests measure one server process at a time (its descriptors, memory, timeouts); running
// them side by side would make each one's numbers depend on the others.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

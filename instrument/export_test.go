package instrument

// SyncOnlyUnused is syncOnlyUnused, for TestSyncOnlyPredeclared.
var SyncOnlyUnused = syncOnlyUnused

// Package nogotest holds no code: its tests check that the analyzers of
// package norace and forksafe run unchanged under drivers other than go
// vet, such as Bazel's nogo, golangci-lint and gopls. They need exported
// Analyzer variables, facts that gob-encode through an interface (nogo and
// unitchecker gob.Register every fact type), facts whose encoding is the
// same bytes for the same input (remote caches key on them), and no shared
// mutable state between analyses running at once.
package nogotest

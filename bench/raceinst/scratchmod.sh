# Sourced by build_times.sh and run_times_goimports.sh, from the
# repository's root.
#
# scratch_module DIR PKG makes DIR a user's module that requires
# golang.org/x/tools at the version of this repository's go.mod and
# imports PKG (a tools.go file), so that `go build PKG` works in DIR.
scratch_module() {
	local xtools
	xtools=$(go list -m -f '{{.Version}}' golang.org/x/tools)
	mkdir -p "$1"
	(
		cd "$1"
		go mod init example.com/scratch >/dev/null 2>&1
		go get "golang.org/x/tools@$xtools" >/dev/null 2>&1
		printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$2" >tools.go
		go mod tidy >/dev/null 2>&1
	)
}

//go:build !race

package rt

const raceBuild = false

//go:build mips64 || mips64le

#include "textflag.h"

// func getg() unsafe.Pointer
TEXT ·getg(SB),NOSPLIT|NOFRAME,$0-8
	MOVV g, ret+0(FP)
	RET

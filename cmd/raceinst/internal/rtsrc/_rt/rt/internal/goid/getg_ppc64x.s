//go:build ppc64 || ppc64le

#include "textflag.h"

// func getg() unsafe.Pointer
TEXT ·getg(SB),NOSPLIT|NOFRAME,$0-8
	MOVD g, ret+0(FP)
	RET

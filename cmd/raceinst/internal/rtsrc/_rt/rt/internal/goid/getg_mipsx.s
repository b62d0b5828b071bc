//go:build mips || mipsle

#include "textflag.h"

// func getg() unsafe.Pointer
TEXT ·getg(SB),NOSPLIT|NOFRAME,$0-4
	MOVW g, ret+0(FP)
	RET

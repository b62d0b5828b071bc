#include "textflag.h"

// func getg() unsafe.Pointer
TEXT ·getg(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·asmDecl(SB),4,$0
	RET
TEXT ·asmDecl2(SB),$0
	RET
TEXT ·noescape(SB),$0-8
	RET

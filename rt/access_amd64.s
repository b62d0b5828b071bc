//go:build !purego

#include "go_asm.h"
#include "funcdata.h"
#include "textflag.h"

// The same-epoch fast paths of Read and Write (see access_amd64.go and the
// Go versions in access_generic.go, which these follow step by step). All
// loads of shadow state are plain MOVs: on amd64 those are the atomic loads
// that the Go code's atomic.Uint64.Load compiles to.

// GSTATE(slow): BX = the calling goroutine's *gstate (CX its runtime.g),
// from gcache, as cur finds it; otherwise it jumps to slow.
#define GSTATE(slow) \
	CMPB	·fastG(SB), $0 \
	JEQ	slow \
	MOVQ	(TLS), CX \
	MOVQ	$0x9E3779B97F4A7C15, DX \
	IMULQ	CX, DX \
	SHRQ	$(64-const_gcacheBits), DX \
	LEAQ	·gcache(SB), BX \
	MOVQ	(BX)(DX*8), BX \
	TESTQ	BX, BX \
	JEQ	slow \
	MOVQ	·goidOff(SB), DX \
	MOVQ	(CX)(DX*1), DX \
	CMPQ	DX, gstate_id(BX) \
	JNE	slow

// gstate lookup, shared by Read and Write: AX = addr on entry. On success
// BX is the caller's *gstate, DX the cell value; otherwise it jumps to
// slow.
#define LOOKUP(slow) \
	GSTATE(slow) \
	MOVQ	AX, DX \
	SHRQ	$const_pageShift, DX \
	CMPQ	DX, gstate_pkey(BX) \
	JNE	slow \
	MOVQ	gstate_pcells(BX), DX \
	MOVQ	AX, SI \
	ANDQ	$((const_wordsPerPage-1)<<3), SI \
	MOVQ	(DX)(SI*1), DX

// RECORD: DX = a cell with cellFull set; leaves SI = its *shadowRec.
#define RECORD \
	MOVL	DX, SI \
	MOVQ	SI, DI \
	SHRQ	$const_recChunkBits, DI \
	ANDQ	$(const_maxRecChunks-1), DI \
	LEAQ	·recChunks(SB), CX \
	MOVQ	(CX)(DI*8), CX \
	ANDQ	$((1<<const_recChunkBits)-1), SI \
	IMULQ	$shadowRec__size, SI \
	ADDQ	CX, SI

// func Read(addr uintptr)
TEXT ·Read(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ	addr+0(FP), AX
	LOOKUP(rslow)
	MOVQ	$~(const_cellW|const_cellMask), DI
	ANDQ	DX, DI
	CMPQ	DI, gstate_cr(BX)
	JNE	rwritten
	RET // read same epoch
rwritten:
	MOVQ	$~(const_cellR|const_cellMask), DI
	ANDQ	DX, DI
	CMPQ	DI, gstate_cw(BX)
	JNE	rfull
	MOVQ	AX, CX
	ANDQ	$7, CX
	BTQ	CX, DX // the byte's bit in the write's mask
	JCC	rfull
	RET // written same epoch: the write covers the read
rfull:
	BTQ	$63, DX // cellFull
	JCC	rslow
	RECORD
	MOVQ	shadowRec_r(SI), DI
	CMPQ	DI, gstate_ep(BX)
	JNE	rshared
	RET // read same epoch, the word's record
rshared:
	CMPQ	DI, $-1 // sharedReads
	JNE	rslow
	MOVQ	shadowRec_rvc(SI), SI
	TESTQ	SI, SI
	JEQ	rslow
	MOVLQZX	gstate_slot(BX), DI
	CMPQ	DI, (readVec_clk+8)(SI) // len(clk)
	JAE	rslow
	MOVQ	readVec_clk(SI), SI
	MOVQ	(SI)(DI*8), SI
	MOVQ	$const_clockMask, DI
	ANDQ	gstate_ep(BX), DI
	CMPQ	SI, DI
	JNE	rslow
	RET // read shared same epoch
rslow:
	MOVQ	0(SP), BX // the instrumented access's return address
	JMP	readSlowCall<>(SB)

// func Write(addr uintptr)
TEXT ·Write(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ	addr+0(FP), AX
	LOOKUP(wslow)
	MOVQ	$~(const_cellR|const_cellMask), DI
	ANDQ	DX, DI
	CMPQ	DI, gstate_cw(BX)
	JNE	wfull
	RET // write same epoch
wfull:
	BTQ	$63, DX // cellFull
	JCC	wslow
	RECORD
	MOVQ	shadowRec_w(SI), DI
	CMPQ	DI, gstate_ep(BX)
	JNE	wslow
	RET // write same epoch, the word's record
wslow:
	MOVQ	0(SP), BX
	JMP	writeSlowCall<>(SB)

// readSlowCall and writeSlowCall call readAt and writeAt with AX = addr and
// BX = pc, in a frame of their own (Read and Write have none to spare: the
// caller reserved 8 bytes of arguments), and return to Read's caller.
TEXT readSlowCall<>(SB), NOSPLIT, $16-0
	NO_LOCAL_POINTERS // addr and pc are uintptrs
	MOVQ	AX, 0(SP)
	MOVQ	BX, 8(SP)
	CALL	·readAt(SB)
	RET

TEXT writeSlowCall<>(SB), NOSPLIT, $16-0
	NO_LOCAL_POINTERS
	MOVQ	AX, 0(SP)
	MOVQ	BX, 8(SP)
	CALL	·writeAt(SB)
	RET

// func FuncEnter(pc uintptr)
//
// The fast path pushes pc on the shadow stack when it has room (as
// funcEnter's append would) and the goroutine is not one of the runtime's
// callback goroutines; the rest is funcEnter's.
TEXT ·FuncEnter(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ	pc+0(FP), AX
	TESTQ	AX, AX
	JNE	known
	MOVQ	8(BP), AX // the instrumented function's return address
	MOVQ	AX, pc+0(FP)
known:
	GSTATE(enterslow)
	CMPB	gstate_runtimeCB(BX), $0
	JNE	enterslow
	MOVQ	(gstate_frames+8)(BX), DX // len
	CMPQ	DX, (gstate_frames+16)(BX) // cap
	JAE	enterslow
	MOVQ	gstate_frames(BX), SI
	MOVQ	AX, (SI)(DX*8) // a uintptr: no write barrier
	INCQ	DX
	MOVQ	DX, (gstate_frames+8)(BX)
	MOVB	$0, gstate_stkValid(BX)
	RET
enterslow:
	JMP	·funcEnter(SB)

// func FuncExit()
//
// funcExit, with the goroutine found as in FuncEnter.
TEXT ·FuncExit(SB), NOSPLIT|NOFRAME, $0-0
	GSTATE(exitslow)
	MOVQ	(gstate_frames+8)(BX), DX // n
	TESTQ	DX, DX
	JEQ	exitdone
	CMPQ	DX, (gstate_frameIDs+8)(BX)
	JNE	popframe
	LEAQ	-1(DX), SI
	MOVQ	SI, (gstate_frameIDs+8)(BX)
popframe:
	DECQ	DX
	MOVQ	DX, (gstate_frames+8)(BX)
	MOVB	$0, gstate_stkValid(BX)
exitdone:
	RET
exitslow:
	JMP	·funcExit(SB)

// func framePCs(pcs *[framePCsMax]uintptr) int
TEXT ·framePCs(SB), NOSPLIT|NOFRAME, $0-16
	MOVQ	pcs+0(FP), DI
	MOVQ	BP, SI // the caller's frame: saved BP, then its return address
	XORQ	AX, AX
fploop:
	TESTQ	SI, SI
	JEQ	fpdone
	CMPQ	AX, $12 // framePCsMax
	JAE	fpdone
	MOVQ	8(SI), DX
	MOVQ	DX, (DI)(AX*8)
	INCQ	AX
	MOVQ	0(SI), SI
	JMP	fploop
fpdone:
	MOVQ	AX, ret+8(FP)
	RET

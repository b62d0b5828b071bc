package deferrecover

var g int

func safe(p *int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			g = 1
			err = nil
		}
	}()
	defer println(*p)
	*p = 1
	panic("x")
}

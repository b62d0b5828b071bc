package reflect

import "reflect"

type wrap struct{ reflect.Value }

var (
	shared int
	arr    [4]byte
	keep   reflect.Value
)

func setters(p *int, w wrap, pv *reflect.Value) {
	v := reflect.ValueOf(p).Elem()
	v.SetInt(1)
	v.Set(reflect.ValueOf(2))
	defer v.SetZero()
	reflect.ValueOf(&shared).Elem().SetInt(3)
	w.SetInt(4)
	pv.SetInt(5)
	keep.SetInt(6)
	s := reflect.ValueOf(&[]int{1}).Elem()
	s.SetLen(0)
	m := reflect.ValueOf(map[string]int{})
	m.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf(1))
	var b []byte
	reflect.ValueOf(&b).Elem().SetBytes([]byte("x"))
}

func getters(v reflect.Value) (int64, any, string) {
	n := v.Int() + v.Elem().Int()
	if v.Len() > 0 && v.Index(0).Bool() {
		n++
	}
	_ = v.MapIndex(reflect.ValueOf("k"))
	for it := v.MapRange(); it.Next(); {
		v.SetIterKey(it)
	}
	return n, v.Interface(), v.String()
}

func copies(d, s reflect.Value) int {
	n := reflect.Copy(d, s)
	n += reflect.Copy(reflect.ValueOf(arr[:]), reflect.ValueOf("abc"))
	return n
}

func pair() (reflect.Value, reflect.Value) { return reflect.ValueOf(1), reflect.ValueOf(2) }

func multi(m reflect.Value) {
	m.SetMapIndex(pair()) // no place for the receiver: left alone
}

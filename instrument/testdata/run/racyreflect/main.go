package main

import (
	"fmt"
	"reflect"
)

func main() {
	n := 0
	v := reflect.ValueOf(&n).Elem()
	done := make(chan bool)
	go func() {
		v.SetInt(1) // racy: reflect writes n in std
		done <- true
	}()
	v.SetInt(2)
	<-done
	a := []byte("ab")
	s := reflect.ValueOf(a)
	go func() {
		reflect.Copy(s, reflect.ValueOf("xy"))
		done <- true
	}()
	reflect.Copy(s, reflect.ValueOf("zw"))
	<-done
	fmt.Println("done")
}

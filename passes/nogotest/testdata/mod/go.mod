module example.com/nogofix

go 1.25

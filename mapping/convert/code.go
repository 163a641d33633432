package convert

import (
	"strings"

	"mipimport/mip"
)

var (
	errCodeNotInt = valueErr("ожидается целое число")
	errCodeZero   = valueErr("код должен быть больше нуля")
)

// Code reads a reference-book code: a positive integer of at most nine
// digits; the ".0" a numeric cell adds is dropped.
func Code(s string) (mip.Code, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".0")
	n := 0
	if s == "" || len(s) > 9 {
		return 0, errCodeNotInt
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, errCodeNotInt
		}
		n = n*10 + int(r-'0')
	}
	if n == 0 {
		return 0, errCodeZero
	}
	return mip.Code(n), nil
}

package convert

import "testing"

func TestExcelError(t *testing.T) {
	for _, s := range []string{"#N/A", " #VALUE! ", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!",
		"#CALC!", "#GETTING_DATA", "#n/a", "#Н/Д", "#ЗНАЧ!", "#ССЫЛКА!", "#ДЕЛ/0!", "Err:502"} {
		v, ok := ExcelError(s)
		if !ok || v != trim(s) {
			t.Errorf("ExcelError(%q) = %q, %v; want it recognised", s, v, ok)
		}
	}
	for _, s := range []string{"", "#", "#1", "# N/A", "N/A", "#N/A!", "Err:50", "Err:5021", "№ 12", "#Иванов"} {
		if v, ok := ExcelError(s); ok {
			t.Errorf("ExcelError(%q) = %q: not an error value", s, v)
		}
	}
	if got := ErrExcelError("#N/A").Error(); got != "в ячейке ошибка Excel #N/A — исправьте формулу или значение" {
		t.Errorf("message %q", got)
	}
	if got := ErrExcelError("Err:502").Error(); got != "в ячейке ошибка формулы Err:502 — исправьте формулу или значение" {
		t.Errorf("message %q", got)
	}
}

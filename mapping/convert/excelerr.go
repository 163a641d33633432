package convert

import "strings"

// excelErrors are the error values a formula cell shows: Excel's codes
// (stored in English in an .xlsx whatever the language), the names Russian
// Excel shows and writes into a CSV, and LibreOffice's "Err:NNN".
var excelErrors = map[string]bool{
	"#N/A": true, "#VALUE!": true, "#REF!": true, "#DIV/0!": true, "#NUM!": true, "#NAME?": true,
	"#NULL!": true, "#SPILL!": true, "#CALC!": true, "#GETTING_DATA": true, "#FIELD!": true,
	"#BLOCKED!": true, "#CONNECT!": true, "#BUSY!": true, "#UNKNOWN!": true,
	"#Н/Д": true, "#ЗНАЧ!": true, "#ССЫЛКА!": true, "#ДЕЛ/0!": true, "#ЧИСЛО!": true, "#ИМЯ?": true,
	"#ПУСТО!": true, "#ПЕРЕНОС!": true, "#ВЫЧИСЛ!": true, "#ПОЛУЧЕНИЕ_ДАННЫХ": true,
}

// ExcelError reports whether a cell holds a formula's error value (#N/A,
// #VALUE!, #Н/Д, Err:502, …) rather than data, and returns it as written.
// Such a cell says nothing about the patient: every field refuses it,
// before its converter sees it.
func ExcelError(s string) (string, bool) {
	t := trim(s)
	if len(t) < 4 || (t[0] != '#' && !strings.HasPrefix(t, "Err:")) {
		return "", false
	}
	if excelErrors[strings.ToUpper(t)] {
		return t, true
	}
	if rest, ok := strings.CutPrefix(t, "Err:"); ok && len(rest) == 3 && isAllDigits(rest) {
		return t, true
	}
	return "", false
}

// ErrExcelError is the message for a cell that holds an error value.
func ErrExcelError(value string) error {
	if strings.HasPrefix(value, "Err:") {
		return valueErr("в ячейке ошибка формулы " + value + " — исправьте формулу или значение")
	}
	return valueErr("в ячейке ошибка Excel " + value + " — исправьте формулу или значение")
}

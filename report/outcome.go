package report

import "mipimport/importer"

// OutcomeTitle is the Russian word for an outcome, as the spreadsheets show
// it. An outcome it does not know is returned as is.
func OutcomeTitle(o importer.Outcome) string {
	switch o {
	case importer.Uploaded:
		return "Загружен"
	case importer.Partial:
		return "Загружен без прикрепления"
	case importer.Unchanged:
		return "Без изменений"
	case importer.Invalid:
		return "Ошибка в данных"
	case importer.Rejected:
		return "Отклонён МИП"
	case importer.Errored:
		return "Ошибка МИП"
	case importer.Failed:
		return "Не отправлен: сбой связи"
	case importer.Duplicate:
		return "Повтор в файле"
	case importer.NotSent:
		return "Не отправлен"
	}
	return string(o)
}

// Row fills (ARGB-less hex, as excelize takes them). The green, yellow and
// red are Excel's own "Good", "Neutral" and "Bad" cell-style fills, which
// people already read as such.
const (
	fillGood      = "C6EFCE" // uploaded
	fillUnchanged = "E2EFDA" // unchanged: a paler green, nothing happened
	fillWarn      = "FFEB9C" // partial, duplicate
	fillBad       = "FFC7CE" // invalid, rejected, error, failed
	fillNotSent   = "D9D9D9" // not_sent: grey
	fillHeader    = "BDD7EE"
)

// outcomeFill is the row fill for an outcome; "" for an unknown one.
func outcomeFill(o importer.Outcome) string {
	switch o {
	case importer.Uploaded:
		return fillGood
	case importer.Unchanged:
		return fillUnchanged
	case importer.Partial, importer.Duplicate:
		return fillWarn
	case importer.Invalid, importer.Rejected, importer.Errored, importer.Failed:
		return fillBad
	case importer.NotSent:
		return fillNotSent
	}
	return ""
}

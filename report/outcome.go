package report

import (
	"mipimport/importer"
	"mipimport/mip"
)

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

// MkabStatusTitle is МИП's status of the patient's card (МКАБ) in words, as
// the spreadsheet shows it: "" when the row was not sent. A status МИП may
// add later is shown as it came, after words saying so. The JSON Lines keep
// МИП's own words.
func MkabStatusTitle(s string) string {
	switch s {
	case "":
		return ""
	case mip.MkabUploaded:
		return "загружена"
	case mip.MkabNotValid:
		return "не прошла проверку МИП"
	case mip.MkabError:
		return "ошибка МИП"
	}
	return "ответ МИП: " + s
}

// AttachmentStatusTitle is МИП's status of the attachment to the clinic in
// words, as the spreadsheet shows it: "" when the row was not sent. МИП
// answers None both when the row held no attachment and when the card was
// not stored, so that is «не выполнялось»: nothing was attached.
func AttachmentStatusTitle(s string) string {
	switch s {
	case "":
		return ""
	case mip.AttachmentNone:
		return "не выполнялось"
	case mip.AttachmentUploaded:
		return "загружено"
	case mip.AttachmentNotValid:
		return "не прошло проверку МИП"
	case mip.AttachmentError:
		return "ошибка МИП"
	}
	return "ответ МИП: " + s
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"mipimport/importer/state"
	"mipimport/mapping"
	"mipimport/mapping/reader"
	"mipimport/mip"
)

// exitError ends a command: the exit code (SPEC §4), the error in English
// for the log, and the sentence in Russian that the clerk reads as the
// terminal's last line.
type exitError struct {
	code   int
	err    error  // the English detail; nil when there is none to add
	say    string // Russian; "" = sayFor(err)
	usage  string // printed above the last line: the command was given wrong arguments
	logged bool   // err is in the run's log already
}

func (e *exitError) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return e.say
}

func (e *exitError) Unwrap() error { return e.err }

// fatal is "nothing could be done" (exit 2) with an English detail; the
// Russian line is derived from the error (sayFor).
func fatal(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// failSay is exit 2 with the Russian sentence say (a fmt format) and the
// English detail err (nil when say tells all).
func failSay(err error, say string, args ...any) error {
	return &exitError{code: 2, err: err, say: fmt.Sprintf(say, args...)}
}

// exitLine is the terminal's last line for err: the Russian sentence,
// prefixed «Ошибка:» when nothing could be done.
func exitLine(err error) string {
	var ee *exitError
	if !errors.As(err, &ee) {
		// cobra's own errors: an unknown command or flag.
		return "Ошибка: неверная команда или параметры; справка: mipimport --help"
	}
	say := ee.say
	if say == "" {
		say = sayFor(ee.err)
	}
	if ee.code == 2 {
		return "Ошибка: " + say
	}
	return say
}

// endWith tells how a command ended and returns the exit code: the English
// detail as a log line (unless the command logged it already), the usage
// when the arguments were wrong, and the Russian sentence last.
func endWith(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	code := 2
	var ee *exitError
	detail := err
	if errors.As(err, &ee) {
		code = ee.code
		detail = ee.err
		if ee.logged {
			detail = nil
		}
	}
	if detail != nil {
		enc := zap.NewProductionEncoderConfig()
		enc.EncodeTime = zapcore.ISO8601TimeEncoder
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
		log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(stderr), zapcore.ErrorLevel))
		log.Error("command failed", zap.Error(detail))
	}
	if ee != nil && ee.usage != "" {
		fmt.Fprint(stderr, ee.usage)
	}
	fmt.Fprintln(stderr, exitLine(err))
	return code
}

// usageError is a command given wrong arguments: its usage line, then
// say. The full list of flags is --help's: printed here it would push the
// sentence that matters out of sight.
func usageError(cmd *cobra.Command, say string, args ...any) error {
	usage := fmt.Sprintf("Usage:\n  %s\nFlags: %s --help\n", cmd.UseLine(), cmd.CommandPath())
	return &exitError{code: 2, say: fmt.Sprintf(say, args...), usage: usage}
}

// oneInput is the Args check of the commands that read one spreadsheet:
// cobra's «accepts 1 arg(s), received 0» does not say which file to give.
func oneInput(cmd *cobra.Command, args []string) error {
	switch len(args) {
	case 1:
		return nil
	case 0:
		return usageError(cmd, "не указан файл: укажите таблицу с пациентами (.xlsx или .csv) в конце команды, например: %s пациенты.xlsx", cmd.CommandPath())
	default:
		return usageError(cmd, "указано файлов: %d, а нужен один (%s); путь с пробелами возьмите в кавычки: \"%s\"",
			len(args), strings.Join(quoteAll(args), ", "), strings.Join(args, " "))
	}
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = "«" + v + "»"
	}
	return out
}

// sayFor is the Russian sentence for an error that no call site put into
// words: by its kind, else a pointer to the log line above it.
func sayFor(err error) string {
	var (
		le *mapping.LineError
		re *reader.ReadError
		pe *fs.PathError
	)
	switch {
	case err == nil:
		return "работа остановлена"
	case errors.As(err, &le):
		return sayMapping(le)
	case errors.As(err, &re):
		return sayRead(re)
	case errors.Is(err, state.ErrLocked):
		return "файл состояния занят другим запуском mipimport: дождитесь его окончания или запустите с --wait-lock, чтобы подождать"
	case errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist):
		return "файл или папка не найдены: " + pe.Path
	case errors.As(err, &pe) && errors.Is(err, fs.ErrPermission):
		return "нет доступа к " + pe.Path + ": проверьте права или закройте файл в другой программе"
	}
	return "работа остановлена из-за ошибки; подробности — в журнале (строка с ERROR)"
}

// sayMapping puts a mapping file's error into Russian: the file and line,
// and what to look for when it is not YAML at all. The mapping's own
// messages are English; the log line above has the one in full.
func sayMapping(le *mapping.LineError) string {
	where := "в файле сопоставления " + le.File
	if le.Line > 0 {
		where += fmt.Sprintf(", строка %d", le.Line)
	}
	if strings.HasPrefix(le.Msg, "not valid YAML") {
		return where + ": запись нарушает правила YAML — проверьте отступы (только пробелы, без табуляции, одинаковые у соседних строк), двоеточие после имени поля и парные кавычки и скобки"
	}
	return "ошибка " + where + " (что не так — в строке журнала выше); исправьте её и запустите снова"
}

// sayRead names the place of an input file's error.
func sayRead(re *reader.ReadError) string {
	if errors.Is(re, fs.ErrNotExist) {
		return "файл не найден: " + re.File
	}
	return "не удалось прочитать " + readPlace(re) + " (причина — в строке журнала выше)"
}

// readPlace is «файл F, лист «S», строка N, столбец «C»», as far as known.
func readPlace(re *reader.ReadError) string {
	var b strings.Builder
	b.WriteString("файл ")
	b.WriteString(re.File)
	if re.Sheet != "" {
		fmt.Fprintf(&b, ", лист «%s»", re.Sheet)
	}
	if re.Line > 0 {
		fmt.Fprintf(&b, ", строка %d", re.Line)
	}
	if re.Column != "" {
		fmt.Fprintf(&b, ", столбец «%s»", re.Column)
	}
	return b.String()
}

// Magic numbers of the files a clerk may give in place of an .xlsx.
var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1} // .xls, and an .xlsx with a password
)

// checkInput catches the mistakes in naming the input that the readers
// would report in their own terms («zip: not a valid zip file»): a missing
// file, a folder, Excel's lock file, an empty file, a file that is not the
// .xlsx its name says.
func checkInput(path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return failSay(err, "файл не найден: %s", path)
	case err != nil:
		return failSay(err, "нет доступа к файлу %s: проверьте права или закройте его в другой программе", path)
	case st.IsDir():
		return failSay(nil, "%s — это папка, а не файл: укажите файл таблицы (.xlsx или .csv)", path)
	}
	dir, base := filepath.Split(path)
	if strings.HasPrefix(base, "~$") {
		// Excel keeps «~$name.xlsx» beside a workbook while it is open.
		return failSay(nil, "%s — служебный файл-замок, который Excel создаёт, пока книга открыта; укажите сам файл, без «~$» в начале имени: %s (если программа не может его открыть, сначала закройте его в Excel)",
			path, dir+strings.TrimPrefix(base, "~$"))
	}
	if st.Size() == 0 {
		return failSay(nil, "файл %s пуст (0 байт): укажите файл с данными", path)
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".xlsx" && ext != ".xlsm" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return failSay(err, "нет доступа к файлу %s: проверьте права или закройте его в другой программе", path)
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, zipMagic):
		return nil
	case bytes.HasPrefix(head, oleMagic):
		return failSay(nil, "%s — не книга .xlsx, хотя так названа: это книга, защищённая паролем, или старый формат .xls; откройте её в Excel, снимите пароль (Файл → Сведения → Защита книги) и сохраните как «Книга Excel (*.xlsx)»", path)
	default:
		return failSay(nil, "%s — не книга Excel, хотя названа .xlsx (файл другого формата с изменённым расширением?); откройте его в Excel и сохраните как «Книга Excel (*.xlsx)»", path)
	}
}

// sayInput is the Russian sentence for an error opening or reading the
// input: an old format this machine cannot read, a damaged file, else the
// place the reader names.
func sayInput(path string, err error) string {
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case errors.Is(err, reader.ErrUnsupported) && ext == ".xls":
		return fmt.Sprintf("%s — книга в старом формате Excel 97–2003 (.xls), его эта программа не читает: откройте файл в Excel и сохраните как «Книга Excel (*.xlsx)» (Файл → Сохранить как), затем укажите новый файл .xlsx", path)
	case errors.Is(err, reader.ErrUnsupported) && ext == ".ods":
		return fmt.Sprintf("%s — таблица OpenDocument (.ods), её эта программа не читает: откройте файл в LibreOffice Calc или Excel и сохраните как «Книга Excel (*.xlsx)», затем укажите новый файл .xlsx", path)
	case errors.Is(err, reader.ErrUnsupported):
		return fmt.Sprintf("%s: такой формат не читается — нужна таблица .xlsx или .csv (в Excel: Файл → Сохранить как → «Книга Excel (*.xlsx)»)", path)
	case errors.Is(err, fs.ErrNotExist):
		return "файл не найден: " + path
	}
	var re *reader.ReadError
	if errors.As(err, &re) && re.Line == 0 && (ext == ".xlsx" || ext == ".xlsm") {
		return fmt.Sprintf("книга %s повреждена или это не настоящий .xlsx: откройте её в Excel и сохраните снова как «Книга Excel (*.xlsx)» (подробности — в строке журнала выше)", path)
	}
	return sayFor(err)
}

// credentialSources names where the run took its login and password from,
// for the sentence that says to check them.
func credentialSources(f importFlags) (user, pass string) {
	user, pass = "MIP_USER", "MIP_PASSWORD"
	if f.userFlag {
		user = "--user"
	}
	if f.passwordFile != "" {
		pass = "пароль в файле " + f.passwordFile
	}
	return user, pass
}

// abortSay is why a run stopped early, in Russian: for the summary sheet
// and the terminal («Запуск прерван: …») and the terminal's last line.
func abortSay(err error, f importFlags) string {
	var me *mip.Error
	switch {
	case errors.Is(err, mip.ErrUnauthorized):
		s := "МИП отклонил логин или пароль"
		if errors.As(err, &me) && me.HTTPStatus != 0 {
			s += fmt.Sprintf(" (HTTP %d)", me.HTTPStatus)
		}
		user, pass := credentialSources(f)
		return fmt.Sprintf("%s — проверьте %s и %s", s, user, pass)
	case errors.Is(err, mip.ErrUnreachable) && strings.Contains(err.Error(), "certificate"):
		return fmt.Sprintf("МИП по адресу %s предъявил сертификат, которому нет доверия: если у МИП сертификат регионального удостоверяющего центра, укажите файл этого центра: --ca-file ФАЙЛ.pem", redact(f.url))
	case errors.Is(err, mip.ErrUnreachable):
		src := "MIP_URL"
		if f.urlFlag {
			src = "--url"
		}
		return fmt.Sprintf("МИП недоступен по адресу %s — проверьте адрес (%s) и сеть; строки не отправлены", redact(f.url), src)
	case errors.Is(err, errInterrupted):
		return "нажаты Ctrl+C или получен сигнал остановки"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("истекло время, отведённое на запуск (--max-duration %s)", ruDuration(f.maxDuration))
	case err == nil:
		return ""
	}
	return "ошибка (подробности — в журнале)"
}

// ruAbort carries a run's abort reason to the report in Russian: the report
// writes «Запуск прерван: » and the error's text. errors.Is still sees the
// cause.
type ruAbort struct {
	say   string
	cause error
}

func (e ruAbort) Error() string { return e.say }
func (e ruAbort) Unwrap() error { return e.cause }

// ruDuration is a duration for a clerk: «1 ч 05 мин», «3 мин 20 с», «45 с».
func ruDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%d ч %02d мин", h, m)
	case h > 0:
		return fmt.Sprintf("%d ч", h)
	case m > 0 && s > 0:
		return fmt.Sprintf("%d мин %02d с", m, s)
	case m > 0:
		return fmt.Sprintf("%d мин", m)
	}
	return fmt.Sprintf("%d с", s)
}

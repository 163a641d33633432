// Command gen writes the bundled sample: samples/patients.xlsx, the same
// rows as a Windows-1251 CSV (samples/patients.csv, as Russian Excel saves
// it), and samples/patients.expected, the outcome each row was built to get.
//
// The people are fictional; their СНИЛС and ЕНП carry valid check digits
// computed here, except where a row is meant to be rejected.
//
//	go run ./samples/gen -out samples
//
// With -rows it writes instead a big file of valid, distinct fictional
// patients with the sample's columns (so samples/mapping.yaml maps it):
//
//	go run ./samples/gen -rows 1000000 -format xlsx -o samples/big/1m.xlsx
//
// An xlsx keeps its text as Excel saves it, in a shared strings table
// (xl/sharedStrings.xml; the map that dedups it is the only memory that
// grows with the rows). With -strings inline each text cell holds its own
// text instead, as excelize's StreamWriter writes it (default path
// samples/big/patients-ROWS-inline.xlsx).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// row is one sample patient and how the clinic's file holds it.
type row struct {
	fio      string
	birth    string // dd.mm.yyyy
	dateCell bool   // birth stored as an Excel date cell (else text as typed)
	gender   string
	snils    string // 9-digit base (check digits are computed), or "bad:…" kept as is, or ""
	snilsNum bool   // СНИЛС stored as a number: separators and leading zeros lost
	enp      string // 15-digit base (check digit computed), or "dup:N" reusing row N's
	enpNum   bool   // ЕНП stored as a number
	phone    string
	address  string
	email    string
	blood    string
	works    string
	district string
	attDate  string
	expect   string // the outcome the row is built to get
	why      string
}

var rows = []row{
	{"Иванов Иван Иванович", "12.03.1985", true, "М", "112233445", false, "770000000000001", false, "8 (912) 345-67-89", "г. Москва, ул. Ленина, д. 1, кв. 2", "ivanov@example.ru", "A(II) Rh+", "да", "1", "15.01.2024", "uploaded", ""},
	{"Петрова Анна Сергеевна", "01.02.1990", true, "Ж", "001019989", true, "770000000000002", true, "+7 912 000-11-22", "г. Москва, ул. Мира, д. 5", "", "0(I) Rh-", "нет", "2", "20.02.2023", "uploaded", "СНИЛС and ЕНП typed as numbers"},
	{"ПЕТРОВА-ВОДКИНА анна сергеевна", "7.7.1977", false, "ж", "123456789", false, "770000000000003", false, "89123456780", "г. Москва, пр. Вернадского, д. 10", "", "III (-)", "1", "1", "01.03.2024", "uploaded", "upper/lower case ФИО, d.m.yyyy"},
	{"Алиев Рустам Ильхам оглы", "30.11.1969", true, "М", "642709548", false, "770000000000004", false, "8-916-123-45-67", "г. Москва, ул. Садовая, д. 3", "aliev@example.ru", "B(III) Rh+", "да", "3", "11.04.2022", "uploaded", "Turkic patronymic"},
	{"Смирнова Ольга Петровна", "05.05.1955", true, "Ж", "342932447", false, "770000000000005", false, "+7 (495) 123-45-67", "г. Москва, ул. Тверская, д. 7", "", "AB(IV) Rh-", "нет", "1", "10.10.2021", "uploaded", ""},
	{"Кузнецов Дмитрий Олегович", "18.08.2001", true, "м", "234567890", false, "770000000000006", true, "9161234567", "г. Москва, ул. Лесная, д. 12", "kuznetsov@example.ru", "", "да", "2", "05.06.2023", "uploaded", "10-digit phone"},
	{"Соколова Мария Ивановна", "23.09.1948", true, "Ж", "345678901", false, "770000000000007", false, "8 (903) 765-43-21", "г. Москва, ул. Школьная, д. 2", "", "II+", "нет", "1", "14.02.2020", "uploaded", ""},
	{"Попов Сергей Николаевич", "31.02.1985", false, "М", "456789012", false, "770000000000008", false, "8 (926) 111-22-33", "г. Москва, ул. Полевая, д. 8", "", "", "да", "3", "01.01.2024", "invalid", "31 February"},
	{"Васильева Елена Викторовна", "14.12.1972", true, "Ж", "bad:567-890-123 00", false, "770000000000009", false, "8 (915) 222-33-44", "г. Москва, ул. Речная, д. 4", "", "", "да", "2", "03.03.2023", "invalid", "СНИЛС check number wrong"},
	{"Михайлов Андрей Павлович", "02.04.1995", true, "М", "678901234", false, "770000000000010", false, "", "г. Москва, ул. Новая, д. 9", "", "", "да", "1", "07.07.2022", "invalid", "no phone (required)"},
	{"Новикова Татьяна Андреевна", "19.06.1988", true, "Ж", "789012345", false, "770000000000011", false, "8 (917) 333-44-55", "г. Москва, ул. Зелёная, д. 11", "novikova@example.ru", "A(II) Rh-", "да", "2", "09.09.2023", "uploaded", ""},
	{"Фёдоров Пётр Семёнович", "08.01.1960", true, "М", "890123456", false, "770000000000012", false, "8 (918) 444-55-66", "г. Москва, ул. Садовая, д. 15", "", "0(I) Rh+", "нет", "3", "12.12.2021", "uploaded", "ё in names"},
	{"Морозова Светлана Юрьевна", "27.03.1979", true, "Ж", "901234567", false, "770000000000013", false, "8 (919) 555-66-77", "г. Москва, ул. Парковая, д. 6", "", "", "да", "1", "", "partial", "attachment without a date: МИП refuses the attachment"},
	{"Волков Алексей Игоревич", "11.11.2011", true, "М", "", false, "770000000000014", false, "8 (920) 666-77-88", "г. Москва, ул. Школьная, д. 14", "", "B(III) Rh-", "нет", "2", "01.09.2018", "uploaded", "child without СНИЛС"},
	{"Лебедева Ирина Владимировна", "03.07.1983", true, "Ж", "102345678", false, "770000000000015", false, "8 (921) 777-88-99", "г. Москва, ул. Мира, д. 21", "lebedeva@example", "", "да", "1", "02.02.2022", "invalid", "e-mail without a domain"},
	{"Козлов Николай Сергеевич", "16.10.1991", true, "М", "203456789", false, "770000000000016", false, "8 (922) 888-99-00", "г. Москва, ул. Лесная, д. 3", "", "AB(IV) Rh+", "да", "3", "04.04.2023", "uploaded", ""},
	{"Петров", "22.05.1975", true, "М", "304567890", false, "770000000000017", false, "8 (923) 999-00-11", "г. Москва, ул. Полевая, д. 1", "", "", "да", "2", "05.05.2023", "invalid", "only a family name"},
	{"Егорова Наталья Алексеевна", "09.09.1999", true, "Ж", "405678901", false, "770000000000018", false, "8 (924) 000-11-22", "г. Москва, ул. Речная, д. 17", "", "A(II) Rh+", "да", "1", "06.06.2024", "uploaded", ""},
	{"Павлов Игорь Васильевич", "29.02.1964", true, "М", "506789012", false, "770000000000019", false, "8 (925) 123-12-12", "г. Москва, ул. Новая, д. 2", "", "", "нет", "2", "07.07.2019", "uploaded", "29 February of a leap year"},
	{"Семёнова Юлия Дмитриевна", "13.01.2005", false, "Ж", "607890123", false, "770000000000020", false, "8 (926) 234-23-23", "г. Москва, ул. Зелёная, д. 30", "", "0(I) Rh+", "да", "3", "08.08.2023", "uploaded", "date typed as text"},
	{"Голубев Виктор Андреевич", "25.12.1958", true, "М", "708901234", false, "770000000000021", false, "8 (927) 345-34-34", "г. Москва, ул. Парковая, д. 19", "", "", "нет", "1", "09.09.2020", "uploaded", ""},
	{"Виноградова Алла Борисовна", "17.04.1981", true, "Ж", "809012345", false, "dup:2", false, "8 (928) 456-45-45", "г. Москва, ул. Садовая, д. 40", "", "", "да", "2", "10.10.2023", "duplicate", "same polis as Петрова, two rows above"},
	{"Богданов Максим Ильич", "04.08.1993", true, "М", "910123456", false, "770000000000023", false, "8 (929) 567-56-56", "г. Москва, ул. Мира, д. 33", "bogdanov@example.ru", "B(III) Rh+", "да", "3", "11.11.2022", "uploaded", ""},
	{"Воробьёва Ксения Олеговна", "21.02.2019", true, "Ж", "", false, "770000000000024", false, "8 (930) 678-67-67", "г. Москва, ул. Лесная, д. 50", "", "", "", "1", "12.12.2019", "uploaded", "child; работает left empty"},
	{"Фролов Денис Аркадьевич", "06.06.1986", true, "М", "111222333", false, "770000000000025", false, "8 (931) 789-78-78", "г. Москва, ул. Полевая, д. 22", "", "A(II) Rh+", "да", "2", "13.01.2024", "uploaded", ""},
	{"Журавлёва Вера Степановна", "15.03.1940", true, "Ж", "222333444", false, "770000000000026", false, "8 (932) 890-89-89", "г. Москва, ул. Речная, д. 8", "", "", "нет", "3", "14.02.2015", "uploaded", ""},
	{"Никитин Олег Романович", "28.07.2099", false, "М", "333444555", false, "770000000000027", false, "8 (933) 901-90-90", "г. Москва, ул. Новая, д. 44", "", "", "да", "1", "15.03.2024", "invalid", "birthday in the future"},
	{"Захарова Ульяна Тимуровна", "10.10.1997", true, "Ж", "444555666", false, "770000000000028", false, "8 (934) 012-01-01", "г. Москва, ул. Зелёная, д. 5", "", "0(I) Rh-", "да", "2", "16.04.2024", "uploaded", ""},
	{"Зайцев Роман Евгеньевич", "01.01.1970", true, "М", "555666777", false, "770000000000029", false, "8 (935) 111-11-11", "г. Москва, ул. Парковая, д. 27", "", "", "да", "3", "17.05.2021", "uploaded", ""},
	{"Титова Галина Львовна", "19.11.1952", true, "Ж", "666777888", false, "770000000000030", false, "8 (936) 222-22-22", "г. Москва, ул. Садовая, д. 9", "", "AB(IV) Rh+", "нет", "1", "18.06.2020", "uploaded", ""},
}

var header = []string{"№ п/п", "ФИО", "Дата рождения", "Пол", "СНИЛС", "Полис ОМС", "Телефон", "Адрес регистрации", "Эл. почта", "Группа крови", "Работает", "Участок", "Дата прикрепления"}

const (
	title     = "Список прикреплённого населения ГБУЗ «Городская поликлиника № 0» (вымышленные данные) на 01.11.2026"
	headerRow = 3 // a title row and a blank row stand above the header
	blankRow  = 5 // one blank row among the data, as clerks leave them
)

func main() {
	out := flag.String("out", "samples", "directory to write the sample into")
	rows := flag.Int("rows", 0, "write a big file of this many valid patients instead of the sample")
	format := flag.String("format", "xlsx", "big file format: xlsx or csv (Windows-1251, ';')")
	file := flag.String("o", "", "big file path (default samples/big/patients-ROWS.FORMAT, patients-ROWS-inline.xlsx with -strings inline)")
	text := flag.String("strings", "shared", "xlsx text cells: shared (a shared strings table, as Excel saves) or inline (each cell its own text)")
	flag.Parse()
	var err error
	if *rows > 0 {
		path := *file
		if path == "" {
			suffix := ""
			if *format == "xlsx" && *text == "inline" {
				suffix = "-inline"
			}
			path = filepath.Join("samples", "big", fmt.Sprintf("patients-%d%s.%s", *rows, suffix, *format))
		}
		err = writeBig(path, *format, *text, *rows)
	} else {
		err = write(*out)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func write(dir string) error {
	cells := make([][]any, len(rows))
	for i, r := range rows {
		cells[i] = r.cells(i)
	}
	if err := writeXLSX(filepath.Join(dir, "patients.xlsx"), cells); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(dir, "patients.csv"), cells); err != nil {
		return err
	}
	var exp strings.Builder
	exp.WriteString("# row outcome — what each sample row is built to get (rows as the spreadsheet numbers them)\n")
	for i, r := range rows {
		fmt.Fprintf(&exp, "%d %s", sheetRow(i), r.expect)
		if r.why != "" {
			fmt.Fprintf(&exp, " # %s", r.why)
		}
		exp.WriteByte('\n')
	}
	return os.WriteFile(filepath.Join(dir, "patients.expected"), []byte(exp.String()), 0o644)
}

// sheetRow is the spreadsheet row of data row i: after the header, with
// the blank row skipped.
func sheetRow(i int) int {
	r := headerRow + 1 + i
	if r >= blankRow {
		r++
	}
	return r
}

func (r row) cells(i int) []any {
	var birth any = r.birth
	if r.dateCell {
		t, err := time.Parse("02.01.2006", r.birth)
		if err != nil {
			panic(fmt.Sprintf("row %d: %v", i, err))
		}
		birth = t
	}
	var snils any = ""
	switch {
	case strings.HasPrefix(r.snils, "bad:"):
		snils = strings.TrimPrefix(r.snils, "bad:")
	case r.snils != "":
		full := r.snils + snilsCheck(r.snils)
		if r.snilsNum {
			n, _ := strconv.ParseInt(full, 10, 64)
			snils = n
		} else {
			snils = fmt.Sprintf("%s-%s-%s %s", full[:3], full[3:6], full[6:9], full[9:])
		}
	}
	base := r.enp
	if strings.HasPrefix(base, "dup:") {
		n, _ := strconv.Atoi(strings.TrimPrefix(base, "dup:"))
		base = rows[n-1].enp
	}
	enpFull := base + luhnDigit(base)
	var enp any = enpFull
	if r.enpNum {
		// Excel keeps 15 significant digits: the check digit is lost.
		f, _ := strconv.ParseFloat(base+"0", 64)
		enp = f
	}
	var att any = r.attDate
	if r.attDate != "" {
		t, _ := time.Parse("02.01.2006", r.attDate)
		att = t
	}
	return []any{i + 1, r.fio, birth, r.gender, snils, enp, r.phone, r.address, r.email, r.blood, r.works, r.district, att}
}

func snilsCheck(d9 string) string {
	s := 0
	for i := 0; i < 9; i++ {
		s += int(d9[i]-'0') * (9 - i)
	}
	return fmt.Sprintf("%02d", (s%101)%100)
}

func luhnDigit(d15 string) string {
	sum := 0
	for i := 0; i < 15; i++ {
		v := int(d15[14-i] - '0')
		if i%2 == 0 { // doubled: these positions are odd counting from the check digit
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return strconv.Itoa((10 - sum%10) % 10)
}

func writeXLSX(path string, cells [][]any) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Пациенты"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // the locale's short date
	if err != nil {
		return err
	}
	if err := f.SetCellValue(sheet, "A1", title); err != nil {
		return err
	}
	if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", headerRow), &header); err != nil {
		return err
	}
	for i, c := range cells {
		r := sheetRow(i)
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", r), &c); err != nil {
			return err
		}
		for j, v := range c {
			if _, ok := v.(time.Time); ok {
				name, _ := excelize.CoordinatesToCellName(j+1, r)
				if err := f.SetCellStyle(sheet, name, name, dateStyle); err != nil {
					return err
				}
			}
		}
	}
	for col, w := range map[string]float64{"B": 36, "C": 14, "E": 16, "F": 20, "G": 20, "H": 40, "I": 24} {
		if err := f.SetColWidth(sheet, col, col, w); err != nil {
			return err
		}
	}
	if err := f.SaveAs(path); err != nil {
		return err
	}
	return os.Chmod(path, 0o644)
}

// writeCSV writes the rows as Russian Excel's "CSV (разделители — точка с
// запятой)": Windows-1251, ';', dates as dd.mm.yyyy, numbers as Excel shows
// them (a 16-digit number in exponent form with a decimal comma).
func writeCSV(path string, cells [][]any) error {
	var b bytes.Buffer
	b.WriteString(title + strings.Repeat(";", len(header)-1) + "\r\n")
	b.WriteString(strings.Repeat(";", len(header)-1) + "\r\n")
	b.WriteString(strings.Join(header, ";") + "\r\n")
	for i, c := range cells {
		if sheetRow(i) == blankRow+1 {
			b.WriteString(strings.Repeat(";", len(header)-1) + "\r\n")
		}
		parts := make([]string, len(c))
		for j, v := range c {
			switch v := v.(type) {
			case time.Time:
				parts[j] = v.Format("02.01.2006")
			case float64:
				parts[j] = strings.Replace(strconv.FormatFloat(v, 'E', 14, 64), ".", ",", 1)
			case int:
				parts[j] = strconv.Itoa(v)
			case int64:
				parts[j] = strconv.FormatInt(v, 10)
			default:
				s := fmt.Sprint(v)
				if strings.ContainsAny(s, ";\"\n") {
					s = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
				}
				parts[j] = s
			}
		}
		b.WriteString(strings.Join(parts, ";") + "\r\n")
	}
	enc, err := charmap.Windows1251.NewEncoder().Bytes(b.Bytes())
	if err != nil {
		return err
	}
	return os.WriteFile(path, enc, 0o644)
}

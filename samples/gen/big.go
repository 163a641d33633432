package main

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

var (
	maleFamilies   = []string{"Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов"}
	maleNames      = []string{"Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил", "Никита", "Матвей", "Роман", "Егор", "Иван"}
	femaleNames    = []string{"Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Екатерина", "Юлия", "Анастасия", "Дарья", "Ксения", "Алёна", "Вера"}
	fatherNames    = []string{"Александров", "Дмитриев", "Сергеев", "Андреев", "Алексеев", "Михайлов", "Иванов", "Петров", "Николаев", "Владимиров"}
	streets        = []string{"Ленина", "Мира", "Садовая", "Школьная", "Лесная", "Полевая", "Новая", "Речная", "Зелёная", "Парковая"}
	bloodGroups    = []string{"0(I) Rh+", "A(II) Rh+", "B(III) Rh+", "AB(IV) Rh+", "0(I) Rh-", "A(II) Rh-", "", ""}
	femaleFamilyOf = func(f string) string { return f + "а" }
)

// bigRow is valid fictional patient i: its ЕНП is unique (the key), its
// СНИЛС and ЕНП carry correct check digits.
func bigRow(rng *rand.Rand, i int) []any {
	male := rng.IntN(2) == 0
	fam := maleFamilies[rng.IntN(len(maleFamilies))]
	var name, pat string
	if male {
		name = maleNames[rng.IntN(len(maleNames))]
		pat = fatherNames[rng.IntN(len(fatherNames))] + "ич"
	} else {
		fam = femaleFamilyOf(fam)
		name = femaleNames[rng.IntN(len(femaleNames))]
		pat = fatherNames[rng.IntN(len(fatherNames))] + "на"
	}
	gender := map[bool]string{true: "М", false: "Ж"}[male]
	born := time.Date(1930+rng.IntN(90), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	d9 := fmt.Sprintf("%09d", 2_000_000+i*13%997_000_000)
	snils := d9 + snilsCheck(d9)
	// A clerk's list is sorted by name, not by polis: the ЕНП (the key
	// of samples/mapping.yaml) comes in no order. i*2654435761 mod 10^13
	// is a bijection (the factor is prime to 10), so ЕНП stay unique.
	enp15 := fmt.Sprintf("50%013d", uint64(i)*2654435761%10_000_000_000_000)
	// Attached some time between 2010 and 2024, and never before birth.
	attached := time.Date(2010+rng.IntN(15), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	if attached.Before(born) {
		attached = born.AddDate(0, 1, 0)
	}
	return []any{i + 1, fam + " " + name + " " + pat, born, gender,
		fmt.Sprintf("%s-%s-%s %s", snils[:3], snils[3:6], snils[6:9], snils[9:]),
		enp15 + luhnDigit(enp15),
		fmt.Sprintf("8 (9%02d) %03d-%02d-%02d", rng.IntN(100), rng.IntN(1000), rng.IntN(100), rng.IntN(100)),
		fmt.Sprintf("г. Москва, ул. %s, д. %d, кв. %d", streets[rng.IntN(len(streets))], 1+rng.IntN(120), 1+rng.IntN(300)),
		"", bloodGroups[rng.IntN(len(bloodGroups))], map[bool]string{true: "да", false: "нет"}[rng.IntN(3) > 0],
		fmt.Sprint(1 + rng.IntN(40)), attached}
}

func writeBig(path, format, text string, rows int) error {
	if format == "xlsx" && text != "shared" && text != "inline" {
		return fmt.Errorf("-strings %q: want shared or inline", text)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(rows), 42)) // the same rows for the same size
	switch format {
	case "xlsx":
		if text == "inline" {
			return writeBigXLSX(path, rows, rng)
		}
		return writeBigXLSXShared(path, rows, rng)
	case "csv":
		return writeBigCSV(path, rows, rng)
	}
	return fmt.Errorf("-format %q: want xlsx or csv", format)
}

// writeBigXLSX writes the big workbook with inline text (-strings inline):
// it streams rows into the sheet (spilled to a temporary file by excelize)
// and the package straight into the output file: excelize's own Write would
// assemble the whole zip in memory first.
func writeBigXLSX(path string, rows int, rng *rand.Rand) error {
	if rows > excelize.TotalRows-headerRow {
		return fmt.Errorf("an xlsx sheet holds at most %d rows", excelize.TotalRows)
	}
	f := excelize.NewFile(excelize.Options{TmpDir: filepath.Dir(path)})
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{title}); err != nil {
		return err
	}
	hdr := make([]any, len(header))
	for i, h := range header {
		hdr[i] = h
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", headerRow), hdr); err != nil {
		return err
	}
	for i := 0; i < rows; i++ {
		vals := bigRow(rng, i)
		for j, v := range vals {
			if t, ok := v.(time.Time); ok {
				vals[j] = excelize.Cell{StyleID: dateStyle, Value: t}
			}
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", headerRow+1+i), vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(out)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
		return zw
	})
	if err := f.Write(io.Discard); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func writeBigCSV(path string, rows int, rng *rand.Rand) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(charmap.Windows1251.NewEncoder().Writer(out), 1<<16)
	fmt.Fprintf(w, "%s\r\n\r\n%s\r\n", title, strings.Join(header, ";"))
	for i := 0; i < rows; i++ {
		for j, v := range bigRow(rng, i) {
			if j > 0 {
				w.WriteByte(';')
			}
			if t, ok := v.(time.Time); ok {
				w.WriteString(t.Format("02.01.2006"))
				continue
			}
			fmt.Fprint(w, v)
		}
		w.WriteString("\r\n")
	}
	return errors.Join(w.Flush(), out.Close())
}

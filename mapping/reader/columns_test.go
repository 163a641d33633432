package reader

import (
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestColumnNameMatchesExcelize: every column a sheet can have is named as
// excelize names it.
func TestColumnNameMatchesExcelize(t *testing.T) {
	for col := 1; col <= maxSheetCols; col++ {
		want, err := excelize.ColumnNumberToName(col)
		if err != nil {
			t.Fatal(err)
		}
		if got := columnName(col); got != want {
			t.Fatalf("column %d: %q, want %q", col, got, want)
		}
	}
}

// TestCellColumnMatchesExcelize: a cell reference gives the column
// excelize's CellNameToCoordinates gives, and is refused where it refuses
// it.
func TestCellColumnMatchesExcelize(t *testing.T) {
	refs := []string{"", "A", "1", "$", "$$", "A0", "A-1", "A+1", "A 1", "A1 ", " A1", "1A", "A1B", "AB", "A$1", "$A1", "$A$1",
		"a1", "xfd1", "XFD1", "XFE1", "XFD1048576", "A1048576", "A1048577", "ZZZZ1", "AAAAAAAAAAAAAAAA1", "A01", "A99999999999999999999",
		"Ё1", "A1\x00", "A\u00a01", "Я7"}
	for _, col := range []int{1, 2, 26, 27, 52, 53, 702, 703, 16383, 16384} {
		name, _ := excelize.ColumnNumberToName(col)
		for _, row := range []string{"1", "7", "1048576"} {
			refs = append(refs, name+row, "$"+name+"$"+row, strings.ToLower(name)+row)
		}
	}
	for _, ref := range refs {
		wantCol, _, wantErr := excelize.CellNameToCoordinates(ref)
		col, err := cellColumn([]byte(ref))
		if (err != nil) != (wantErr != nil) || err == nil && col != wantCol {
			t.Errorf("%q: column %d, %v; excelize %d, %v", ref, col, err, wantCol, wantErr)
		}
	}
	// Row numbers and columns past the sheet's end name the limit.
	for ref, want := range map[string]string{"A1048577": "last row", "XFE1": "last column"} {
		if _, err := cellColumn([]byte(ref)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error about the %s", ref, err, want)
		}
	}
}

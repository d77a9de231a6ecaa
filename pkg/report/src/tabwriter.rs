//! Column alignment exactly as Go's `text/tabwriter` does it with Podman's settings
//! (`NewWriter(w, 12, 2, 2, ' ', 0)`). The tabwriter crate adds the padding on top of the
//! minimum width, which Go does not, so Podman's tables need this port of Go's algorithm:
//! a cell is text ended by a tab, the text after a line's last tab is not part of any column, a
//! column block is a run of consecutive lines that have a cell in that column, and its width is
//! `max(minwidth, widest cell + padding)`. A line without any tab ends all blocks.

/// Go tabwriter settings of Podman's tables.
const MIN_WIDTH: usize = 12;
const PADDING: usize = 2;

/// Aligns tab-separated cells into columns.
pub fn align_columns(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut paragraph: Vec<Vec<&str>> = Vec::new();
    for line in text.split_inclusive('\n') {
        let cells: Vec<&str> = line.split('\t').collect();
        let ends_block = cells.len() == 1;
        paragraph.push(cells);
        if ends_block {
            format_block(&mut out, &paragraph, &mut Vec::new());
            paragraph.clear();
        }
    }
    format_block(&mut out, &paragraph, &mut Vec::new());
    out
}

/// Go's recursive `format`: finds the blocks of the next column among `lines`, fixes their
/// widths, and writes lines once every column they take part in has a width.
fn format_block(out: &mut String, lines: &[Vec<&str>], widths: &mut Vec<usize>) {
    let column = widths.len();
    let mut start = 0;
    let mut this = 0;
    while this < lines.len() {
        if column >= lines[this].len() - 1 {
            this += 1;
            continue;
        }
        write_lines(out, &lines[start..this], widths);
        start = this;
        let mut width = MIN_WIDTH;
        while this < lines.len() && column < lines[this].len() - 1 {
            width = width.max(lines[this][column].chars().count() + PADDING);
            this += 1;
        }
        widths.push(width);
        format_block(out, &lines[start..this], widths);
        widths.pop();
        start = this;
    }
    write_lines(out, &lines[start..], widths);
}

fn write_lines(out: &mut String, lines: &[Vec<&str>], widths: &[usize]) {
    for cells in lines {
        for (j, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if j < cells.len() - 1 {
                let width = widths.get(j).copied().unwrap_or(0);
                let pad = width.saturating_sub(cell.chars().count());
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podman_auto_update_table() {
        let text = "\tUNIT\tCONTAINER\tIMAGE\tPOLICY\tUPDATED\n\tcontainer-foo.service\t0123456789ab (foo)\tquay.io/libpod/alpine:latest\tregistry\tfalse\n";
        let expected = "            UNIT                   CONTAINER           IMAGE                         POLICY      UPDATED\n            container-foo.service  0123456789ab (foo)  quay.io/libpod/alpine:latest  registry    false\n";
        assert_eq!(align_columns(text), expected);
    }

    #[test]
    fn width_is_max_of_minimum_and_cell_plus_padding() {
        assert_eq!(align_columns("\ta\tb\n"), "            a           b\n");
        assert_eq!(align_columns("abcdefghijkl\tx\n"), "abcdefghijkl  x\n");
    }

    #[test]
    fn a_line_without_tabs_ends_the_columns() {
        assert_eq!(align_columns("a\tb\nplain\nlonger-cell\tc\n"), "a           b\nplain\nlonger-cell  c\n");
    }

    #[test]
    fn blocks_are_runs_of_lines_with_that_column() {
        // The second column exists only on lines 1 and 3; line 2 splits it into two blocks.
        let text = "a\tbbbbbbbbbbbbbbbb\tc\nx\ty\nq\tr\ts\n";
        let expected = "a           bbbbbbbbbbbbbbbb  c\nx           y\nq           r           s\n";
        assert_eq!(align_columns(text), expected);
    }
}

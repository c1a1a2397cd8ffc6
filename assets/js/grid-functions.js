// Functions AG Grid calls by name from Python ({"function": "..."} in components/grid.py).
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

// CSV export: text a spreadsheet would run as a formula gets a leading apostrophe (as components/spreadsheet.py
// does for the server-side exports).
dagfuncs.safeCsvCell = function (value) {
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(value)) {
        return "'" + value;
    }
    return value;
};

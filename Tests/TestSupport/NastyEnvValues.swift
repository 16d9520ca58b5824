/// Config values that must survive an envdir exactly, shared by the pure codec tests and the round trip
/// through daemontools' real `envdir`. None ends in a space or tab: the format cannot hold those.
public let nastyEnvValues: [String] = [
    "", "plain", "with space inside", "a=b=c", "line1\nline2", "\n", "ends with newline\n", "\nstarts",
    "'single'", "\"double\"", "$HOME and ${PATH}", "`uname -a`", "$(rm -rf /)", "back\\slash", "tab\tinside",
    "  leading spaces", "\tleading tab", "unicode: 日本語 café 🚀", "semi;colon && pipe | amp &", "#hash",
    "trailing\r", "cr\r\nlf", "\u{7F}del and \u{1B}[31mescape", String(repeating: "long", count: 5000),
    "ends with space then newline \n", "=", "\n\n\n",
]

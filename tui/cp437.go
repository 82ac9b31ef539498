package tui

// cp437 is the character set of the PC's text-mode font (code page 437): the rune that shows
// each byte of the CGA text buffer. Byte 0 (what a cleared screen holds) and 0xFF show as blanks.
var cp437 = [256]rune([]rune(
	" ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼" +
		" !\"#$%&'()*+,-./0123456789:;<=>?" +
		"@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_" +
		"`abcdefghijklmnopqrstuvwxyz{|}~⌂" +
		"ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒ" +
		"áíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐" +
		"└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀" +
		"αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ "))

; Highlighting for CUDA C++ in the editor (tree-sitter-cuda grammar). The grammar ships only the CUDA additions
; and says "inherits: cpp" (which inherits c); neither parent is bundled in a form TextArea can merge, so the
; C and C++ basics are written out here with the capture names Textual's editor themes know.

(comment) @comment

[(string_literal) (raw_string_literal) (char_literal) (system_lib_string)] @string
(escape_sequence) @string

(number_literal) @number
[(true) (false)] @boolean
(null) @constant.builtin
(this) @variable.builtin

[(primitive_type) (sized_type_specifier)] @type.builtin
(type_identifier) @type
(auto) @type

["#include" "#define" "#if" "#ifdef" "#ifndef" "#else" "#elif" "#endif" (preproc_directive)] @include

[ "if" "else" "switch" "case" "default" ] @conditional
[ "for" "while" "do" ] @repeat
[ "return" ] @keyword.return
[ "break" "continue" "goto" ] @keyword

[
  "const" "static" "extern" "inline" "volatile" "struct" "union" "enum" "typedef" "sizeof"
  "class" "namespace" "template" "typename" "using" "constexpr" "new" "delete" "public" "private"
  "protected" "virtual" "override" "noexcept" "operator" "friend" "explicit" "mutable" "static_assert"
] @keyword
(type_qualifier) @keyword
(storage_class_specifier) @keyword

; CUDA
[ "__host__" "__device__" "__global__" "__managed__" "__forceinline__" "__noinline__" ] @keyword.function
"__launch_bounds__" @keyword.function
[ "<<<" ">>>" ] @punctuation.special
((identifier) @constant.builtin
 (#match? @constant.builtin "^(threadIdx|blockIdx|blockDim|gridDim|warpSize)$"))
((identifier) @keyword
 (#match? @keyword "^(__shared__|__constant__|__restrict__)$"))

; Functions
(function_declarator declarator: (identifier) @function)
(function_declarator declarator: (qualified_identifier name: (identifier) @function))
(call_expression function: (identifier) @function.call)
(call_expression function: (field_expression field: (field_identifier) @method.call))
(call_expression function: (qualified_identifier name: (identifier) @function.call))
(template_function name: (identifier) @function.call)

(preproc_def name: (identifier) @constant.builtin)
((identifier) @constant.builtin (#match? @constant.builtin "^[A-Z][A-Z0-9_]+$"))

(field_identifier) @variable.member
(namespace_identifier) @type

[ "=" "+=" "-=" "*=" "/=" "+" "-" "*" "/" "%" "++" "--" "==" "!=" "<" ">" "<=" ">=" "&&" "||" "!" "&" "|" "^"
  "~" "<<" ">>" "?" ] @operator
[ "(" ")" "[" "]" "{" "}" ] @punctuation.bracket
[ ";" "," "." "::" "->" ] @punctuation.delimiter

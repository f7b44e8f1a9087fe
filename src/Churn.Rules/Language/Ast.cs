namespace Churn.Rules;

internal abstract record Node(int Line, int Column);

internal sealed record NumberLiteral(double Value, int Line, int Column) : Node(Line, Column);

internal sealed record StringLiteral(string Value, int Line, int Column) : Node(Line, Column);

internal sealed record BoolLiteral(bool Value, int Line, int Column) : Node(Line, Column);

internal sealed record NullLiteral(int Line, int Column) : Node(Line, Column);

internal sealed record Variable(string Name, int Line, int Column) : Node(Line, Column);

internal sealed record Unary(string Op, Node Operand, int Line, int Column) : Node(Line, Column);

internal sealed record Binary(string Op, Node Left, Node Right, int Line, int Column) : Node(Line, Column);

internal sealed record InList(Node Value, IReadOnlyList<Node> Items, bool Negated, int Line, int Column) : Node(Line, Column);

internal sealed record Between(Node Value, Node Low, Node High, bool Negated, int Line, int Column) : Node(Line, Column);

internal sealed record IsNull(Node Value, bool Negated, int Line, int Column) : Node(Line, Column);

internal sealed record Call(string Name, IReadOnlyList<Node> Arguments, int Line, int Column) : Node(Line, Column);

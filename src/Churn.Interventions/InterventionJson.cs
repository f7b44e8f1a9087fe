using System.Globalization;
using System.Text.Json;
using System.Xml;
using Churn.Abstractions;

namespace Churn.Interventions;

/// <summary>A playbooks or offers file that cannot be used: which file, where, and why.</summary>
public sealed class InterventionFileException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="InterventionFileException"/> class.</summary>
    /// <param name="source">The file.</param>
    /// <param name="where">Where in the file: <c>line 3, column 7</c> or a path such as <c>playbooks[1].trigger</c>.</param>
    /// <param name="reason">Why.</param>
    /// <param name="inner">The cause, if any.</param>
    public InterventionFileException(string source, string where, string reason, Exception? inner = null)
        : base($"{source}: {where}: {reason}", inner)
    {
        Source = source;
        Where = where;
        Reason = reason;
    }

    /// <summary>Initializes a new instance of the <see cref="InterventionFileException"/> class.</summary>
    public InterventionFileException()
        : this("file", "?", "invalid")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InterventionFileException"/> class.</summary>
    /// <param name="message">The message.</param>
    public InterventionFileException(string message)
        : this("file", "?", message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InterventionFileException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public InterventionFileException(string message, Exception innerException)
        : this("file", "?", message, innerException)
    {
    }

    /// <summary>Gets the file.</summary>
    public new string Source { get; }

    /// <summary>Gets where in the file.</summary>
    public string Where { get; }

    /// <summary>Gets why.</summary>
    public string Reason { get; }
}

/// <summary>Reads the playbooks and offers files (hand-read from a <see cref="JsonDocument"/>: no reflection, exact paths in errors).</summary>
internal static class InterventionJson
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 32 };

    public static PlaybookSet ReadPlaybooks(string json, string source)
    {
        using var doc = Open(json, source);
        var r = new Reader(source);
        var root = r.Object(doc.RootElement, "$");
        r.Version(root);
        var playbooks = new List<Playbook>();
        foreach (var (e, path) in r.Array(root, "playbooks", "$", required: true))
        {
            playbooks.Add(r.Playbook(e, path));
        }

        var tiers = new List<ValueTier>();
        foreach (var (e, path) in r.Array(root, "valueTiers", "$"))
        {
            var t = r.Object(e, path);
            tiers.Add(new ValueTier(r.Id(t, "id", path), r.Decimal(t, "minValue", path) ?? throw r.Fail(path, "a tier needs 'minValue'")));
        }

        if (tiers.GroupBy(t => t.Id).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw r.Fail("$.valueTiers", $"two tiers have the id '{twice.Key}'");
        }

        var costs = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (e, path) in r.Array(root, "channels", "$"))
        {
            var c = r.Object(e, path);
            var id = r.Id(c, "id", path);
            var cost = r.Decimal(c, "cost", path) ?? 0m;
            if (cost < 0 || !costs.TryAdd(id, cost))
            {
                throw r.Fail(path, $"channel '{id}' is listed twice or has a negative cost");
            }
        }

        var contacts = new ContactPolicy();
        if (r.OptionalObject(root, "contactPolicy", "$") is { } cp)
        {
            const string p = "$.contactPolicy";
            var quiet = new List<QuietPeriod>();
            foreach (var (e, path) in r.Array(cp, "quiet", p))
            {
                var q = r.Object(e, path);
                var from = r.Instant(q, "from", path) ?? throw r.Fail(path, "a quiet period needs 'from'");
                var to = r.Instant(q, "to", path) ?? throw r.Fail(path, "a quiet period needs 'to'");
                if (to <= from)
                {
                    throw r.Fail(path, "a quiet period ends before it starts");
                }

                quiet.Add(new QuietPeriod(from, to));
            }

            contacts = new ContactPolicy
            {
                Window = r.Duration(cp, "window", p) ?? contacts.Window,
                MaxContacts = r.Int(cp, "maxContacts", p, 0) ?? contacts.MaxContacts,
                CapPeriod = r.Duration(cp, "capPeriod", p) ?? contacts.CapPeriod,
                QuietPeriods = quiet,
            };
            r.Known(cp, p, "window", "maxContacts", "capPeriod", "quiet");
        }

        HoldoutOptions? holdout = null;
        if (r.OptionalObject(root, "holdout", "$") is { } h)
        {
            holdout = new HoldoutOptions
            {
                Share = r.Double(h, "share", "$.holdout", 0, 1) ?? 0.1,
                Period = r.Enum<HoldoutPeriod>(h, "period", "$.holdout") ?? HoldoutPeriod.Never,
                Key = r.String(h, "key", "$.holdout") ?? string.Empty,
            };
            r.Known(h, "$.holdout", "share", "period", "key");
        }

        var polls = new List<Poll>();
        foreach (var (e, path) in r.Array(root, "polls", "$"))
        {
            var q = r.Object(e, path);
            polls.Add(new Poll(r.Id(q, "id", path), r.Enum<PollKind>(q, "kind", path) ?? throw r.Fail(path, "a poll needs 'kind': nps, csat or text"), r.String(q, "question", path) ?? string.Empty));
            r.Known(q, path, "id", "kind", "question");
        }

        r.Known(root, "$", "version", "playbooks", "valueTiers", "channels", "contactPolicy", "holdout", "polls");
        try
        {
            return new PlaybookSet(playbooks)
            {
                Tiers = [.. tiers.OrderByDescending(t => t.MinValue)],
                ChannelCosts = costs,
                Contacts = contacts,
                Holdout = holdout,
                Polls = polls,
            };
        }
        catch (ArgumentException ex)
        {
            throw r.Fail("$.playbooks", ex.Message);
        }
    }

    public static OfferCatalog ReadOffers(string json, string source)
    {
        using var doc = Open(json, source);
        var r = new Reader(source);
        var root = r.Object(doc.RootElement, "$");
        r.Version(root);
        var offers = new List<Offer>();
        foreach (var (e, path) in r.Array(root, "offers", "$", required: true))
        {
            var o = r.Object(e, path);
            offers.Add(new Offer(r.Id(o, "id", path), r.Decimal(o, "cost", path) ?? throw r.Fail(path, "an offer needs 'cost'"))
            {
                Name = r.String(o, "name", path),
                Eligibility = r.String(o, "eligibility", path),
                ExpectedAcceptance = r.Double(o, "acceptance", path, 0, 1) ?? 0.3,
                Uplift = r.Double(o, "uplift", path, 0, 1) ?? 0.1,
                PerCustomerCap = r.Int(o, "perCustomerCap", path, 1) ?? 1,
                Budget = r.Decimal(o, "budget", path),
                Period = r.Enum<OfferPeriod>(o, "period", path) ?? OfferPeriod.Monthly,
            });
            r.Known(o, path, "id", "name", "cost", "eligibility", "acceptance", "uplift", "perCustomerCap", "budget", "period");
        }

        var limits = new List<CompensationLimit>();
        foreach (var (e, path) in r.Array(root, "limits", "$"))
        {
            var l = r.Object(e, path);
            limits.Add(new CompensationLimit(r.String(l, "segment", path) ?? "*", r.String(l, "tier", path) ?? "*", r.Decimal(l, "maxCost", path) ?? throw r.Fail(path, "a limit needs 'maxCost'")));
            r.Known(l, path, "segment", "tier", "maxCost");
        }

        var approvals = new List<OfferApproval>();
        foreach (var (e, path) in r.Array(root, "approvals", "$"))
        {
            var a = r.Object(e, path);
            approvals.Add(new OfferApproval(
                r.String(a, "id", path) ?? throw r.Fail(path, "an approval needs 'id'"),
                r.String(a, "approvedBy", path) ?? throw r.Fail(path, "an approval needs 'approvedBy'"),
                r.Decimal(a, "maxCost", path) ?? throw r.Fail(path, "an approval needs 'maxCost'"))
            {
                CustomerId = r.String(a, "customer", path),
                Offer = r.String(a, "offer", path),
                Segment = r.String(a, "segment", path),
                Tier = r.String(a, "tier", path),
                Until = r.Instant(a, "until", path),
            });
            r.Known(a, path, "id", "approvedBy", "maxCost", "customer", "offer", "segment", "tier", "until");
        }

        r.Known(root, "$", "version", "offers", "limits", "approvals");
        try
        {
            return new OfferCatalog(offers, limits, approvals);
        }
        catch (ArgumentException ex)
        {
            throw r.Fail("$.offers", ex.Message);
        }
    }

    private static JsonDocument Open(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonDocument.Parse(json, Options);
        }
        catch (JsonException ex)
        {
            throw new InterventionFileException(source, string.Create(CultureInfo.InvariantCulture, $"line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}"), "not valid JSON", ex);
        }
    }

    private static readonly string[] StepNames = ["contact", "task", "offer", "poll"];

    private sealed class Reader(string source)
    {
        public InterventionFileException Fail(string path, string reason) => new(source, path, reason);

        public JsonElement Object(JsonElement e, string path) =>
            e.ValueKind == JsonValueKind.Object ? e : throw Fail(path, $"expected an object, found {Kind(e)}");

        public JsonElement? OptionalObject(JsonElement parent, string name, string path) =>
            parent.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? Object(e, $"{path}.{name}") : null;

        public void Version(JsonElement root)
        {
            if (String(root, "version", "$") is { } v && v != "1")
            {
                throw Fail("$.version", $"version '{v}' is not known (this SDK reads version 1)");
            }
        }

        public List<(JsonElement Element, string Path)> Array(JsonElement parent, string name, string path, bool required = false)
        {
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                if (required)
                {
                    throw Fail(path, $"'{name}' is missing");
                }

                return [];
            }

            if (e.ValueKind != JsonValueKind.Array)
            {
                throw Fail($"{path}.{name}", $"expected an array, found {Kind(e)}");
            }

            return [.. e.EnumerateArray().Select((x, i) => (x, string.Create(CultureInfo.InvariantCulture, $"{path}.{name}[{i}]")))];
        }

        public IReadOnlyList<string> Strings(JsonElement parent, string name, string path)
        {
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (e.ValueKind == JsonValueKind.String)
            {
                return [e.GetString()!];
            }

            if (e.ValueKind != JsonValueKind.Array || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            {
                throw Fail($"{path}.{name}", "expected a string or an array of strings");
            }

            return [.. e.EnumerateArray().Select(x => x.GetString()!)];
        }

        public string? String(JsonElement parent, string name, string path)
        {
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return e.ValueKind == JsonValueKind.String ? e.GetString() : throw Fail($"{path}.{name}", $"expected a string, found {Kind(e)}");
        }

        public string Id(JsonElement parent, string name, string path)
        {
            var id = String(parent, name, path) ?? throw Fail(path, $"'{name}' is missing");
            return Ids.IsValid(id) ? id : throw Fail($"{path}.{name}", $"'{id}' is not a valid id: use letters, digits, '-', '_' and '.'");
        }

        public decimal? Decimal(JsonElement parent, string name, string path)
        {
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return e.ValueKind == JsonValueKind.Number && e.TryGetDecimal(out var d) ? d : throw Fail($"{path}.{name}", $"expected a number, found {Kind(e)}");
        }

        public double? Double(JsonElement parent, string name, string path, double min = double.MinValue, double max = double.MaxValue)
        {
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var d) || !double.IsFinite(d))
            {
                throw Fail($"{path}.{name}", $"expected a number, found {Kind(e)}");
            }

            return d >= min && d <= max ? d : throw Fail($"{path}.{name}", string.Create(CultureInfo.InvariantCulture, $"{d} is outside [{min}, {max}]"));
        }

        public int? Int(JsonElement parent, string name, string path, int min)
        {
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var i) && i >= min
                ? i
                : throw Fail($"{path}.{name}", string.Create(CultureInfo.InvariantCulture, $"expected a whole number of at least {min}"));
        }

        public bool? Bool(JsonElement parent, string name, string path)
        {
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return e.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Fail($"{path}.{name}", $"expected true or false, found {Kind(e)}"),
            };
        }

        public TimeSpan? Duration(JsonElement parent, string name, string path)
        {
            if (String(parent, name, path) is not { } text)
            {
                return null;
            }

            try
            {
                var d = XmlConvert.ToTimeSpan(text);
                return d >= TimeSpan.Zero ? d : throw Fail($"{path}.{name}", "a duration cannot be negative");
            }
            catch (FormatException)
            {
                throw Fail($"{path}.{name}", $"'{text}' is not an ISO 8601 duration such as 'P7D' or 'PT4H'");
            }
            catch (OverflowException)
            {
                throw Fail($"{path}.{name}", $"'{text}' is too long a duration");
            }
        }

        public DateTimeOffset? Instant(JsonElement parent, string name, string path)
        {
            if (String(parent, name, path) is not { } text)
            {
                return null;
            }

            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
                ? at
                : throw Fail($"{path}.{name}", $"'{text}' is not a date or an instant (ISO 8601)");
        }

        public T? Enum<T>(JsonElement parent, string name, string path)
            where T : struct, System.Enum
        {
            if (String(parent, name, path) is not { } text)
            {
                return null;
            }

            return System.Enum.TryParse<T>(text, ignoreCase: true, out var v) && System.Enum.IsDefined(v) && !char.IsDigit(text[0])
                ? v
                : throw Fail($"{path}.{name}", $"'{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
        }

        public void Known(JsonElement e, string path, params string[] names)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (!names.Contains(p.Name, StringComparer.Ordinal))
                {
                    var near = Churn.Shared.NameSuggestions.Closest(p.Name, names);
                    throw Fail($"{path}.{p.Name}", $"'{p.Name}' is not a known field{(near is not null ? $" (did you mean '{near}'?)" : string.Empty)}");
                }
            }
        }

        public Playbook Playbook(JsonElement e, string path)
        {
            var o = Object(e, path);
            var id = Id(o, "id", path);
            var kind = Enum<PlaybookKind>(o, "kind", path) ?? throw Fail(path, $"playbook '{id}' needs 'kind': proactive or reactive");
            PlaybookTrigger? trigger = null;
            if (OptionalObject(o, "trigger", path) is { } t)
            {
                var tp = $"{path}.trigger";
                var symptom = String(t, "symptom", tp);
                var level = Level(t, "level", tp);
                var alert = Bool(t, "alert", tp) ?? false;
                var recap = Bool(t, "recapitulative", tp) ?? false;
                var chosen = (symptom is not null && !alert ? 1 : 0) + (level is not null && !alert ? 1 : 0) + (alert ? 1 : 0) + (recap ? 1 : 0);
                if (chosen != 1)
                {
                    throw Fail(tp, "a trigger is one of {\"symptom\": rule}, {\"recapitulative\": true}, {\"alert\": true[, \"symptom\": rule][, \"level\": level]}, {\"level\": level}");
                }

                trigger = alert ? new PlaybookTrigger(TriggerKind.Alert, symptom, level)
                    : recap ? new PlaybookTrigger(TriggerKind.Recapitulative)
                    : symptom is not null ? new PlaybookTrigger(TriggerKind.Symptom, symptom)
                    : new PlaybookTrigger(TriggerKind.Level, null, level);
                Known(t, tp, "symptom", "level", "alert", "recapitulative");
            }

            var steps = new List<PlaybookStep>();
            foreach (var (se, sp) in Array(o, "steps", path, required: true))
            {
                steps.Add(Step(Object(se, sp), sp));
            }

            var levels = new List<RiskLevel>();
            foreach (var name in Strings(o, "levels", path))
            {
                levels.Add(TryLevel(name, out var l) ? l : throw Fail($"{path}.levels", $"'{name}' is not a level (low, medium, high, critical, churned)"));
            }

            Known(o, path, "id", "name", "kind", "schedule", "trigger", "steps", "segments", "tiers", "levels", "when", "uplift", "owner", "ownerAlways", "cooldown", "minExpectedValue");
            try
            {
                var playbook = new Playbook(id, kind, steps, String(o, "schedule", path), trigger)
                {
                    Name = String(o, "name", path),
                    Segments = Strings(o, "segments", path),
                    Tiers = Strings(o, "tiers", path),
                    Levels = levels,
                    When = String(o, "when", path),
                    Uplift = Double(o, "uplift", path, 0, 1) ?? 0.05,
                    Owner = String(o, "owner", path),
                    OwnerAlways = Bool(o, "ownerAlways", path) ?? false,
                    Cooldown = Duration(o, "cooldown", path),
                    MinExpectedValue = Double(o, "minExpectedValue", path) ?? 0,
                };
                if (playbook.When is { } when && Churn.Rules.RuleCompiler.Check(when, OfferCatalog.Schema) is { } error)
                {
                    throw Fail($"{path}.when", string.Create(CultureInfo.InvariantCulture, $"line {error.Line}, column {error.Column} of the condition: {error.Reason}"));
                }

                return playbook;
            }
            catch (ArgumentException ex)
            {
                throw Fail(path, ex.Message);
            }
        }

        private PlaybookStep Step(JsonElement s, string path)
        {
            // A step is {"contact": action, "channels": [...]}, {"task": action}, {"offer": [ids] | "any"}, or {"poll": poll id}.
            var kinds = StepNames.Where(k => s.TryGetProperty(k, out _)).ToArray();
            if (kinds.Length != 1)
            {
                throw Fail(path, "a step has exactly one of 'contact', 'task', 'offer', 'poll'");
            }

            var due = Duration(s, "due", path) ?? TimeSpan.Zero;
            var done = String(s, "done", path);
            var consent = Bool(s, "requiresConsent", path) ?? true;
            Known(s, path, "contact", "task", "offer", "poll", "channels", "due", "done", "requiresConsent");
            return kinds[0] switch
            {
                "contact" => new PlaybookStep(StepKind.Contact, String(s, "contact", path) ?? "contact") { Channels = Strings(s, "channels", path), Due = due, Done = done, RequiresConsent = consent },
                "task" => new PlaybookStep(StepKind.Task, String(s, "task", path) ?? "task") { Due = due, Done = done },
                "offer" => new PlaybookStep(StepKind.Offer, "offer") { Offers = s.GetProperty("offer").ValueKind == JsonValueKind.String && s.GetProperty("offer").GetString() == "any" ? [] : Strings(s, "offer", path), Due = due, Done = done },
                _ => new PlaybookStep(StepKind.Poll, "poll") { Poll = String(s, "poll", path), Channels = Strings(s, "channels", path), Due = due, Done = done, RequiresConsent = consent },
            };
        }

        private RiskLevel? Level(JsonElement parent, string name, string path) =>
            String(parent, name, path) is { } text
                ? TryLevel(text, out var l) && l != RiskLevel.Churned ? l : throw Fail($"{path}.{name}", $"'{text}' is not a level (low, medium, high, critical)")
                : null;

        private static bool TryLevel(string name, out RiskLevel level)
        {
            try
            {
                level = RiskLevelPolicy.Parse(name);
                return true;
            }
            catch (FormatException)
            {
                level = default;
                return false;
            }
        }

        private static string Kind(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        };
    }
}

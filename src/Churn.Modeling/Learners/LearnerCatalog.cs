namespace Churn.Modeling;

/// <summary>
/// The learners a trainer can fit and a model file may hold, looked up by name or alias
/// (case-insensitive). <see cref="Default"/> holds Churn.Modeling's own learners (the histogram
/// booster and logistic regression); companion packages add theirs with <see cref="With"/>.
/// </summary>
/// <remarks>Immutable and thread-safe: <see cref="With"/> returns a new catalog.</remarks>
public sealed class LearnerCatalog
{
    private readonly IChurnLearner[] _learners;

    /// <summary>Initializes a new instance of the <see cref="LearnerCatalog"/> class.</summary>
    /// <param name="learners">The learners; a later one with the same name and entry extension replaces an earlier one.</param>
    public LearnerCatalog(IEnumerable<IChurnLearner> learners)
    {
        ArgumentNullException.ThrowIfNull(learners);
        var list = new List<IChurnLearner>();
        foreach (var l in learners)
        {
            ArgumentNullException.ThrowIfNull(l);
            list.RemoveAll(x => Same(x.Name, l.Name) && Same(x.EntryExtension, l.EntryExtension));
            list.Add(l);
        }

        _learners = [.. list];
    }

    /// <summary>Gets the catalog of Churn.Modeling's own learners: <see cref="HistGradientBoostingLearner"/> and <see cref="LogisticLearner"/>.</summary>
    public static LearnerCatalog Default { get; } = new([new HistGradientBoostingLearner(), new LogisticLearner()]);

    /// <summary>Gets the learners.</summary>
    public IReadOnlyList<IChurnLearner> Learners => _learners;

    /// <summary>Returns a catalog with more learners.</summary>
    /// <param name="learners">The learners to add (they replace ones of the same name and extension).</param>
    /// <returns>The new catalog.</returns>
    public LearnerCatalog With(params IEnumerable<IChurnLearner> learners) => new(_learners.Concat(learners));

    /// <summary>Finds a learner to train with by name or alias.</summary>
    /// <param name="name">The name or alias, for example <c>hgb</c> or <c>logistic</c>.</param>
    /// <returns>The learner.</returns>
    /// <exception cref="ArgumentException">No learner has that name; the message lists the known ones.</exception>
    public IChurnLearner Find(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        // Aliases first (two learners may share a file name, as ML.NET's logistic model and ours do;
        // their aliases tell them apart), then names; the newest registration wins.
        for (var i = _learners.Length - 1; i >= 0; i--)
        {
            if (_learners[i].Aliases.Any(a => Same(a, name)))
            {
                return _learners[i];
            }
        }

        for (var i = _learners.Length - 1; i >= 0; i--)
        {
            if (Same(_learners[i].Name, name))
            {
                return _learners[i];
            }
        }

        throw new ArgumentException($"No learner is called '{name}'. Known: {string.Join(", ", Names())}. FastTree and LightGBM live in the Churn.Modeling.MLNet package (LearnerCatalog.Default.WithMLNet()).", nameof(name));
    }

    /// <summary>Finds the learner that reads a model-file entry.</summary>
    /// <param name="name">The learner name the model file records.</param>
    /// <param name="extension">The entry's extension.</param>
    /// <returns>The learner, or <see langword="null"/>.</returns>
    public IChurnLearner? FindForEntry(string name, string extension) =>
        _learners.LastOrDefault(l => Same(l.Name, name) && Same(l.EntryExtension, extension));

    private IEnumerable<string> Names() => _learners.Select(l => l.Aliases.Count > 0 ? $"{l.Aliases[0]} ({l.Name})" : l.Name).Distinct(StringComparer.Ordinal);

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}

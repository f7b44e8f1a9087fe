using Churn.Abstractions;

namespace Churn.Storage.Tests;

/// <summary>The store contract on the in-memory store.</summary>
public sealed class InMemoryStoreTests : StoreContract
{
    protected override IChurnStore CreateStore() => new InMemoryChurnStore();

    protected override IChurnStore Reopen(IChurnStore store) => store;
}

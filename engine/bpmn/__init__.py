"""Our layer over SpiffWorkflow: safe XML, the parser for both extension dialects, the sandbox,
the clock hook and the state codec. Other engine modules use SpiffWorkflow only through here."""

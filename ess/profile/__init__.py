"""Personal details: the employee's own record, field policy, encryption of sensitive values, history."""

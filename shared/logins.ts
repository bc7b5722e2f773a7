// Operator logins: provisions and enables/disables an operator's sign-in identity (Cognito in AWS; no-op locally).
export async function provisionLogin(operator: { operatorId: string; email: string; name: string }): Promise<void> {}
export async function setLoginEnabled(operatorId: string, enabled: boolean): Promise<void> {}

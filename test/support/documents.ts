/** GraphQL documents shared by the suites, written as a client would send them. */
export const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      accessToken
      refreshToken
      tokenType
      expiresIn
      refreshExpiresIn
      user {
        id
        email
        displayName
        roles
        createdAt
      }
    }
  }
`;

export const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      accessToken
      refreshToken
      tokenType
      expiresIn
      refreshExpiresIn
      user {
        id
        email
        roles
      }
    }
  }
`;

export const ME = /* GraphQL */ `
  query Me {
    me {
      id
      email
      displayName
      roles
    }
  }
`;

export const CREATE_TASK = /* GraphQL */ `
  mutation CreateTask($title: String!) {
    createTask(input: { title: $title }) {
      id
      title
      done
      owner {
        id
      }
    }
  }
`;

export const TASK = /* GraphQL */ `
  query Task($id: ID!) {
    task(id: $id) {
      id
      title
      done
      owner {
        id
        displayName
      }
    }
  }
`;

export const UPDATE_TASK = /* GraphQL */ `
  mutation UpdateTask($id: ID!, $patch: TaskPatch!) {
    updateTask(id: $id, patch: $patch) {
      id
      title
      done
      updatedAt
    }
  }
`;

export const DELETE_TASK = /* GraphQL */ `
  mutation DeleteTask($id: ID!) {
    deleteTask(id: $id)
  }
`;

export const SET_USER_ROLES = /* GraphQL */ `
  mutation SetUserRoles($userId: ID!, $roles: [Role!]!) {
    setUserRoles(userId: $userId, roles: $roles) {
      id
      roles
    }
  }
`;

export const REFRESH = /* GraphQL */ `
  mutation Refresh($refreshToken: String) {
    refresh(refreshToken: $refreshToken) {
      accessToken
      refreshToken
      expiresIn
      refreshExpiresIn
      user {
        id
        roles
      }
    }
  }
`;

export const LOGOUT = /* GraphQL */ `
  mutation Logout($refreshToken: String, $everywhere: Boolean) {
    logout(refreshToken: $refreshToken, everywhere: $everywhere)
  }
`;

export const SESSIONS = /* GraphQL */ `
  query Sessions {
    sessions {
      id
      createdAt
      lastUsedAt
      expiresAt
      userAgent
      current
    }
  }
`;

export const REVOKE_SESSION = /* GraphQL */ `
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`;

export const CHANGE_PASSWORD = /* GraphQL */ `
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)
  }
`;

export const REVOKE_USER_SESSIONS = /* GraphQL */ `
  mutation RevokeUserSessions($userId: ID!) {
    revokeUserSessions(userId: $userId)
  }
`;

export const ME_ID = /* GraphQL */ `
  query MeId {
    me {
      id
    }
  }
`;

export const USERS = /* GraphQL */ `
  query Users {
    users {
      id
    }
  }
`;

CREATE TABLE t624 (id bigint PRIMARY KEY, name text NOT NULL);

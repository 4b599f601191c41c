CREATE TABLE t966 (id bigint PRIMARY KEY, name text NOT NULL);

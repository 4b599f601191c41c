CREATE TABLE t989 (id bigint PRIMARY KEY, name text NOT NULL);

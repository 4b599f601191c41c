CREATE TABLE t985 (id bigint PRIMARY KEY, name text NOT NULL);

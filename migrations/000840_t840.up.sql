CREATE TABLE t840 (id bigint PRIMARY KEY, name text NOT NULL);

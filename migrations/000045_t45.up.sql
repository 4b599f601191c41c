CREATE TABLE t45 (id bigint PRIMARY KEY, name text NOT NULL);

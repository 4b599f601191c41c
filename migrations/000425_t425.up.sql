CREATE TABLE t425 (id bigint PRIMARY KEY, name text NOT NULL);

CREATE TABLE t932 (id bigint PRIMARY KEY, name text NOT NULL);

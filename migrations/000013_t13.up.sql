CREATE TABLE t13 (id bigint PRIMARY KEY, name text NOT NULL);

CREATE TABLE t629 (id bigint PRIMARY KEY, name text NOT NULL);
